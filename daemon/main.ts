// pgdaemon entry point (placeholder until the daemon lands).
console.log('pgdaemon: not implemented yet');
