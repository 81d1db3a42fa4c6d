// Placeholder so the main build has its `cli` entry; replaced by the real `conveyor` CLI.
console.log('conveyor CLI placeholder');
