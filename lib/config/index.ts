/**
 * Stack configuration: the public API of the config loader (`import … from "./lib/config"`).
 * The modules under lib/config/ hold one idea each (see README, Layout).
 */
export * from "./loader";
