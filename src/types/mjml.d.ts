declare module 'mjml' {
  interface MjmlResult {
    html: string;
    errors: Array<{ line: number; message: string; tagName: string; formattedMessage: string }>;
  }
  function mjml2html(input: string, options?: { fonts?: Record<string, string>; validationLevel?: 'strict' | 'soft' | 'skip'; keepComments?: boolean }): MjmlResult | Promise<MjmlResult>;
  export default mjml2html;
}
