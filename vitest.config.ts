import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // a test that reads outside the repository fails (a fresh clone has nothing beside it)
    setupFiles: ["test/setup/project-reads-only.ts"],
  },
});
