/** Azure resource type tokens that policies of more than one domain match. */
import { azureType } from "./kit";

/** `azure-native:authorization:RoleAssignment` (any API version). */
export const ROLE_ASSIGNMENT = azureType("authorization", "RoleAssignment");
