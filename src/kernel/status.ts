// The text of the kernel's status codes (assembly/abi.ts): the kernel returns numbers, the host owns words.
export const KERNEL_STATUS: Record<number, string> = {
  0: "ok",
  1: "kernel used before init()",
  2: "scenario exceeds the capacities the kernel was initialised with",
  3: "kernel rejected the parameter block (tick size and initial price must be > 0)",
  4: "the path had more events than the trace buffer holds",
};

export function statusText(code: number): string {
  return KERNEL_STATUS[code] ?? `unknown kernel status ${code}`;
}
