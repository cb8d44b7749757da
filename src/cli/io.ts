// Where the CLI writes: process streams in the binary, string collectors in tests.

export interface Output {
  write(text: string): unknown;
  /** Set on a terminal: progress bars draw only then. */
  isTTY?: boolean;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };
