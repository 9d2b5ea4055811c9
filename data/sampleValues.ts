/**
 * Sample values that must never reach a real deployment: documentation address ranges and placeholder
 * GUIDs. Config validation (lib/config.ts, `findSampleValues`) scans every config value for them:
 * refused in a production stack at a real `pulumi preview`/`up`, a warning otherwise (and in the
 * offline plan, which never deploys). README: "Sample values".
 */

/** Address blocks reserved for documentation (never routed on the internet). */
export const DOCUMENTATION_RANGES: readonly { cidr: string; name: string }[] = [
  // RFC 5737 §3: TEST-NET-1, TEST-NET-2, TEST-NET-3 (https://www.rfc-editor.org/rfc/rfc5737#section-3)
  { cidr: "192.0.2.0/24", name: "RFC 5737 TEST-NET-1" },
  { cidr: "198.51.100.0/24", name: "RFC 5737 TEST-NET-2" },
  { cidr: "203.0.113.0/24", name: "RFC 5737 TEST-NET-3" },
  // RFC 3849: IPv6 documentation prefix (https://www.rfc-editor.org/rfc/rfc3849)
  { cidr: "2001:db8::/32", name: "RFC 3849 IPv6 documentation prefix" },
];

/**
 * GUIDs this repository ships as samples (Pulumi.dev.yaml, Pulumi.prod.yaml, examples/, README).
 * Add every GUID a sample file gains; test/config.test.ts checks that each GUID in the sample stacks
 * is recognised as a placeholder. (The nil GUID and GUIDs of one repeated hex digit, such as
 * 11111111-1111-1111-1111-111111111111, are recognised without being listed.)
 */
export const SAMPLE_GUIDS: readonly string[] = [
  // Pulumi.dev.yaml: cluster.adminGroupObjectIds, tiers.app.readerGroups, tiers.app.deployerGroups
  "3f0c2a5e-8b7d-4c1a-9e2f-5a6b7c8d9e01",
  "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c41",
  "7b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d52",
  // Pulumi.prod.yaml: cluster.adminGroupObjectIds, tiers.app.readerGroups, tiers.app.deployerGroups
  "4a1d3b6f-9c8e-4d2b-8f3a-6b7c8d9e0f12",
  "8c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e63",
  "9d4e5f6a-7b8c-4d9e-9f0a-2b3c4d5e6f74",
  // gateways.jwt.audiences: the API application's client ID (dev, prod)
  "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a85",
  "6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b96",
  // azure-native:subscriptionId of Pulumi.dev.yaml and Pulumi.prod.yaml (one subscription per stack;
  // the tenant sample is 11111111-…, recognised as one repeated digit)
  "2b7e1d4a-6c3f-4e8b-9a1d-0c5f7e3b2a10",
  "5c8f2e1b-7d4a-4f9c-8b2e-1d6a8f4c3b21",
];
