import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{common,stack,load,chaos,assertions,scenarios,reports,scripts,bench}/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
