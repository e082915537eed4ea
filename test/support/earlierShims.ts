/**
 * The `__provider` shim texts of earlier versions (components/providers/shim.ts), exactly as states written then
 * hold them: a resource keeps its text in its outputs until its next update. Each calls the loader as today's does,
 * `require(loader)(key, projectDir)`.
 */
const LOADER = "components/providers/shimLoader.js";

export const EARLIER_SHIM_TEXTS: ReadonlyArray<{ until: string; text: (key: string) => string }> = [
  {
    until: "issue #26 (the shorter shim)",
    text: (key) =>
      `exports.handler=()=>{const k=${JSON.stringify(key)},f=${JSON.stringify(LOADER)},P=require("path"),s={};let p;` +
      `const L=()=>{if(!p){let d=P.resolve(process.env.DPS_X509_PROJECT_DIR||".");` +
      `while(!require("fs").existsSync(P.join(d,f)))if(d===(d=P.dirname(d)))throw Error("dps-x509: "+f+" not found: run pulumi in the project directory");` +
      `p=require(P.join(d,f))(k,d)}return p};` +
      `for(const m of"check diff create read update delete".split(" "))s[m]=(...a)=>L()[m](...a);return s};\n`,
  },
];
