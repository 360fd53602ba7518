/** The serviceaccount controller: a `default` ServiceAccount in every active namespace. */
export { serviceAccountController, DEFAULT_SERVICE_ACCOUNTS } from "./serviceaccount.ts"
