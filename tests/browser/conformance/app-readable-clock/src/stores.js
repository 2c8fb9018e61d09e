import { readable, writable } from 'svelte/store';

export const status = writable('idle');
export const ticks = readable(0, (set) => {
  let n = 0;
  status.set('running');
  window.tickIt = () => set(++n);
  return () => status.set('stopped');
});
