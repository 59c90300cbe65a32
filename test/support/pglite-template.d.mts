export declare const PGLITE_TEMPLATE_ENV: 'SAPFLOW_TEST_PGLITE_TEMPLATE';
export declare const PGLITE_TEMPLATE_PRELOAD: string;
export declare function buildPgliteTemplate(): Promise<string>;
export declare function usePgliteTemplate(path?: string): void;
