/**
 * The Pulumi program: stack config → typed, validated config → the hardened platform.
 * Exported as a function so that the offline plan and the tests can run it more than once.
 */
import { loadConfig } from "./lib/config";
import { Platform } from "./components/platform";

export = async () => {
  const config = loadConfig();
  const platform = new Platform("platform", { config });
  return platform.outputs;
};
