export const mounts = { count: 0 };
