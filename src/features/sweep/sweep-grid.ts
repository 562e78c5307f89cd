/** @file The sweep's grid lives in pipeline/ (the CLI writes the same grid); this keeps the feature's import path. */
export * from '../../pipeline/sweep-grid';
