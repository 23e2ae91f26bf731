/** "1 second", "30 seconds". */
export function seconds(count: number | undefined): string {
  const n = count ?? 0;
  return `${n} second${n === 1 ? "" : "s"}`;
}
