/**
 * Templates are imported as text (`import t from "./x.eta" with { type: "text" }`)
 * so `bun build --compile` embeds them in the single binary.
 */
declare module "*.eta" {
  const template: string;
  export default template;
}
