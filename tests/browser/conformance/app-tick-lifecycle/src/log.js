export const entries = [];
export function log(entry) {
  entries.push(entry);
  const pre = document.querySelector('pre');
  if (pre) pre.textContent = entries.join('|');
}
