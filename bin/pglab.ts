// pglab CLI entry point (placeholder).
console.log('pglab');
