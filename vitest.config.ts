import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{common,stack,load,chaos,assertions,scenarios,reports,scripts,bench}/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most integration files wait on real components (scrapes, alert windows, canaries): three at a
    // time on two cores keeps both cores busy without starving the timing-sensitive ones.
    maxWorkers: 3,
    minWorkers: 1,
  },
});
