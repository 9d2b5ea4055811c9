/**
 * Converts the kubeconfig AKS returns for an Entra ID cluster (kubelogin `devicecode`, which is
 * interactive) to a non-interactive kubelogin login mode, like `kubelogin convert-kubeconfig -l <mode>`.
 */
import { parse, stringify } from "yaml";

export type KubeloginMode = "azurecli" | "workloadidentity" | "spn";

/** Value of `--<flag>` in an argument list, if present. */
function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * Rewrites every kubelogin exec user in the kubeconfig to `mode`. The server id (the AKS AAD
 * server application) is kept; per-mode credentials come from the environment at run time:
 * - azurecli: the signed-in `az` session;
 * - workloadidentity: AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE and
 *   AZURE_AUTHORITY_HOST (with a trailing slash) — Azure/kubelogin v0.2.8
 *   docs/book/src/concepts/login-modes/workloadidentity.md; on GitHub Actions kubelogin fetches a
 *   fresh OIDC token itself when ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are set
 *   (pkg/internal/token/provider.go); .github/workflows/stack.yml provides both;
 * - spn: AAD_SERVICE_PRINCIPAL_CLIENT_ID / AAD_SERVICE_PRINCIPAL_CLIENT_SECRET.
 * AAD_LOGIN_METHOD in the environment overrides the mode written here at run time
 * (pkg/internal/token/options.go UpdateFromEnv): CI runs every stack in workloadidentity mode.
 */
export function convertKubeconfig(kubeconfigYaml: string, mode: KubeloginMode): string {
  const doc = parse(kubeconfigYaml) as {
    users?: { name: string; user?: { exec?: { command?: string; args?: string[]; env?: unknown } } }[];
  };
  if (!doc || !Array.isArray(doc.users)) throw new Error("kubeconfig has no users");
  let converted = 0;
  for (const u of doc.users) {
    const exec = u.user?.exec;
    if (!exec || !exec.command || !/kubelogin(\.exe)?$/.test(exec.command)) continue;
    const args = exec.args ?? [];
    const serverId = flag(args, "server-id");
    if (!serverId) throw new Error(`kubeconfig user ${u.name}: kubelogin exec without --server-id`);
    const environment = flag(args, "environment") ?? "AzurePublicCloud";
    const tenantId = flag(args, "tenant-id");
    const next = ["get-token", "--login", mode, "--server-id", serverId, "--environment", environment];
    if (mode === "spn" && tenantId) next.push("--tenant-id", tenantId);
    exec.args = next;
    exec.env = null;
    converted++;
  }
  if (converted === 0)
    throw new Error("kubeconfig has no kubelogin exec user: is the cluster configured for Entra ID?");
  return stringify(doc);
}
