// Evaluation context shared by all checks.
import { Obj, VisitedContainer } from "./util";

export interface Ctx {
  meta: Obj;
  spec: Obj;
  specPath: string;
  metaPath: string;
  containers: VisitedContainer[];
  /** spec.os.name == "windows" */
  windows: boolean;
  /** spec.hostUsers == false */
  userNamespace: boolean;
  upstreamExact: boolean;
}

/** A finding before the registry stamps check ID and level on it. */
export interface RawFinding {
  field: string;
  message: string;
  missing?: boolean;
}

export type CheckFn = (ctx: Ctx) => RawFinding[];
