// The test harness's view of packages/workflow-sim's bundle runner: runs dist/<name>/index.js in a
// child process exactly as the GitHub runner does (INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
// GITHUB_ENV, GITHUB_STATE, GITHUB_PATH, GITHUB_WORKSPACE, RUNNER_TEMP) and parses what it printed.
export {
  runAction,
  runBundle,
  repoRoot,
  inputEnvName,
  parseAnnotations,
  parseKeyValueFile,
  leaksOf,
  type Annotation,
  type RunOptions,
  type RunResult,
} from '@ralph-deploy/workflow-sim';
