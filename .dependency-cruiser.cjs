/** Import boundaries of shared/docs/style.md B3: dependencies point down, siblings never meet. */
/** Tests may also import src/testing (which wires real parts together). */
const TESTS = "\\.(test|case)\\.ts$"
const component = "(api|storage|apiserver|client|controllers|scheduler|kubelet|network|proxy|dns|cli|testing)"
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    {
      name: "util-is-a-leaf",
      severity: "error",
      from: { path: "^src/util/", pathNot: TESTS },
      to: { path: "^src/(?!util/)" },
    },
    {
      name: "api-uses-util",
      severity: "error",
      from: { path: "^src/api/", pathNot: TESTS },
      to: { path: "^src/(?!(api|util)/)" },
    },
    {
      name: "storage-uses-util",
      severity: "error",
      from: { path: "^src/storage/", pathNot: TESTS },
      to: { path: "^src/(?!(storage|util)/)" },
    },
    {
      name: "apiserver-uses-api-storage-util",
      severity: "error",
      from: { path: "^src/apiserver/", pathNot: TESTS },
      to: { path: "^src/(?!(apiserver|api|storage|util)/)" },
    },
    {
      name: "client-uses-api-util",
      severity: "error",
      from: { path: "^src/client/", pathNot: TESTS },
      to: { path: "^src/(?!(client|api|util)/)" },
    },
    {
      name: "network-uses-api-util",
      severity: "error",
      from: { path: "^src/network/", pathNot: TESTS },
      to: { path: "^src/(?!(network|api|util)/)" },
    },
    {
      name: "components-use-api-client-util",
      severity: "error",
      from: { path: "^src/(controllers|scheduler|dns|cli)/", pathNot: TESTS },
      to: { path: "^src/(storage|apiserver|kubelet|proxy|network|testing)/" },
    },
    {
      name: "node-agents-use-api-client-network-util",
      severity: "error",
      from: { path: "^src/(kubelet|proxy)/", pathNot: TESTS },
      to: { path: "^src/(storage|apiserver|controllers|scheduler|dns|cli|testing)/" },
    },
    {
      name: "kubelet-proxy-apart",
      severity: "error",
      from: { path: "^src/kubelet/" },
      to: { path: "^src/proxy/" },
    },
    {
      name: "proxy-kubelet-apart",
      severity: "error",
      from: { path: "^src/proxy/" },
      to: { path: "^src/kubelet/" },
    },
    {
      name: "testing-only-from-tests",
      severity: "error",
      from: { path: "^src/", pathNot: "(\\.test\\.ts|\\.case\\.ts|^src/testing/)" },
      to: { path: "^src/testing/" },
    },
    {
      name: "through-index-only",
      comment: "A folder is imported by other folders only through its index.ts",
      severity: "error",
      from: { path: "^src/([^/]+)/" },
      to: { path: "^src/[^/]+/.+", pathNot: "(^src/$1/|^src/[^/]+/index\\.ts$)" },
    },
    {
      name: "roots-through-index-only",
      severity: "error",
      from: { path: "^(cmd|test|bench)/" },
      to: { path: "^src/[^/]+/.+", pathNot: "^src/[^/]+/index\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
  },
}
