import { writable, derived } from 'svelte/store';

function createCount() {
  const { subscribe, set, update } = writable(0);
  return {
    subscribe,
    increment: () => update((n) => n + 1),
    decrement: () => update((n) => n - 1),
    reset: () => set(0),
  };
}

export const count = createCount();
export const name = writable('world');
export const greeting = derived([name, count], ([$name, $count]) => `Hello ${$name} ${$count}`);
