/** `import source from "./worker/rohas_worker.py" with { type: "text" }` gives the file's text. */
declare module "*.py" {
  const text: string;
  export default text;
}
