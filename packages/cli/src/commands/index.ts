import type { CommandModule } from 'yargs';
import analyze from './analyze.js';
import arch from './arch.js';
import newPlugin from './new.js';
import plan from './plan.js';
import plugins from './plugins.js';
import report from './report.js';
import run from './run.js';
import schema from './schema.js';
import status from './status.js';
import validate from './validate.js';
import worker from './worker.js';

/** Every `naslab` command; each lives in its own module. */
export const commands: CommandModule<object, any>[] = [run, plan, validate, status, report, analyze, arch, plugins, newPlugin, schema, worker];
