// Errors raised for invalid NetworkPolicies / manifests.

/** A NetworkPolicy that the API server (or np-guard) would reject. `policy` is `ns/name`. */
export class NetpolValidationError extends Error {
  constructor(
    readonly policy: string,
    readonly detail: string,
  ) {
    super(`NetworkPolicy '${policy}': ${detail}`);
    this.name = "NetpolValidationError";
  }
}

/** A manifest that cannot be turned into engine input (wrong shape, inconsistent replicas...). */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}
