/**
 * Every policy of the pack, one domain per file. Order is the order of the README table.
 */
import type { Policy } from "@pulumi/policy";
import { policies as aks } from "./aks";
import { policies as keyvault } from "./keyvault";
import { policies as authorization } from "./authorization";
import { policies as subscription } from "./subscription";
import { policies as podSecurity } from "./podSecurity";
import { policies as workloads } from "./workloads";
import { policies as namespaces } from "./namespaces";
import { policies as network } from "./network";
import { policies as azureNetwork } from "./azureNetwork";
import { policies as allowlists } from "./allowlists";
import { policies as segmentation } from "./segmentation";
import { policies as rbac } from "./rbac";
import { policies as secrets } from "./secrets";
import * as gatewayListeners from "./gatewayListeners";
import * as gatewayAdmin from "./gatewayAdmin";
import * as gatewayApi from "./gatewayApi";
import * as gatewayRoutes from "./gatewayRoutes";
import * as gatewayExposure from "./gatewayExposure";
import { policies as supplyChain } from "./supplyChain";
import { policies as sandbox } from "./sandbox";
import { policies as egress } from "./egress";
import { policies as inventory } from "./inventory";
import { policies as protections } from "./protections";
import { policies as classification } from "./classification";

/** The gateway domain, five files by what they guard, in the README table's order. */
const gateways: Policy[] = [
  gatewayListeners.gatewayHttpsTerminatesTls,
  gatewayListeners.gatewayHttpRedirectOnly,
  gatewayAdmin.gatewayAdminIpAllowlist,
  gatewayAdmin.gatewayAdminClientCertificates,
  gatewayApi.gatewayApiJwt,
  gatewayRoutes.gatewayRateLimited,
  gatewayAdmin.gatewayAdminRoutePoliciesMerge,
  gatewayListeners.gatewayMinTlsVersion,
  gatewayAdmin.gatewayAdminInternalLoadBalancer,
  gatewayRoutes.gatewayRoutesFromLabelledNamespaces,
  gatewayExposure.gatewayExposureDeclared,
];

export const domains: Record<string, Policy[]> = {
  aks,
  keyvault,
  authorization,
  subscription,
  podSecurity,
  workloads,
  namespaces,
  network,
  azureNetwork,
  segmentation,
  egress,
  rbac,
  secrets,
  gateways,
  supplyChain,
  allowlists,
  sandbox,
  inventory,
  protections,
  classification,
};

export const allPolicies: Policy[] = Object.values(domains).flat();
