/**
 * Host networking for node agents: pod addresses, namespaces, bridges, routes and nftables.
 * No cluster knowledge. Imports api and util.
 */
export {
  CommandError,
  deleteNftTable,
  listNftTables,
  readInterfaceSysctl,
  runCommand,
  runNft,
  writeInterfaceSysctl,
} from "./nft.ts"
