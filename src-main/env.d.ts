// Lua scripts are bundled as strings: `import src from './lua/moveToFinished-3.lua?raw'`.
declare module '*.lua?raw' {
  const src: string;
  export default src;
}
