// Runs executions (or redrives of them) of a state machine with the aws-local-stepfunctions interpreter, for
// org.ecrreplicator.local.LocalStepFunctions. Needs Node 22 (Promise.withResolvers). One process runs one job
// after another, so Node and the interpreter load once, not once per execution.
//
// stdin: one JSON job per line {definition, input, context, startAt?, validated?, baseUrl, lambdaUrl,
//                      executionArn, taskTokenPlaceholder, waitMillis?, retryMillis?, awaitPollSeconds?}
//        or {definition, validateOnly: true}: check the definition with the interpreter's validator.
// stdout: per job, one JSON object per line: {"event": <interpreter event log entry>} ..., then
//         {"succeeded": <output>} or {"failed": {"error", "cause"}} (for validateOnly {"valid": true} or
//         {"failed": ...}), then {"done": true}. The process ends when stdin does.
//
// Validation compiles the ASL schema, about as much CPU as the rest of a run: the JVM validates the
// definition once when it starts, and executions then run with "validated": true.
//
// Every Task state is overridden: the override asks the JVM to invoke the function through its Lambda Invoke
// API stand-in and returns what the real lambda:invoke integration returns ({"Payload", "StatusCode"}). For
// .waitForTaskToken it first has the JVM mint a token for this attempt, then waits for SendTaskSuccess/Failure.
import { StateMachine } from 'aws-local-stepfunctions';
import { JSONPath } from 'jsonpath-plus';
import { createInterface } from 'node:readline';

const MAX_TIMER_SECONDS = 2147483; // setTimeout's limit; the runner enforces the real timeout itself

function emit(line) {
  process.stdout.write(JSON.stringify(line) + '\n');
}

function stateError(name, cause) {
  const error = new Error(typeof cause === 'string' ? cause : JSON.stringify(cause), { cause });
  error.name = name;
  return error;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { response, text };
}

function validate(job) {
  try {
    new StateMachine(job.definition, { validationOptions: { checkPaths: true, checkArn: true } });
    emit({ valid: true });
  } catch (error) {
    emit({ failed: { error: 'States.Runtime', cause: error.message } });
  }
}

// Every state, those inside Map and Parallel states included (state names are unique across the definition,
// as Step Functions requires), so that overrides reach the tasks a Map runs too.
function* everyState(states) {
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) yield* everyState(processor.States);
    for (const branch of state.Branches ?? []) yield* everyState(branch.States);
  }
}

async function runJob(job) {
  const base = job.baseUrl.replace(/\/$/, '');
  const lambdaBase = job.lambdaUrl.replace(/\/$/, '');
  const definition = structuredClone(job.definition);
  if (job.startAt) {
    definition.StartAt = job.startAt;
  }

  // The raw input of the state each Task override is running in, from the StateEntered events: AWS evaluates
  // TimeoutSecondsPath against the state input, the interpreter against the effective input after Parameters.
  const enteredInput = new Map();
  const timeouts = new Map();
  for (const [name, state] of everyState(definition.States)) {
    if (state.Type !== 'Task') continue;
    timeouts.set(name, { seconds: state.TimeoutSeconds, path: state.TimeoutSecondsPath });
    delete state.TimeoutSecondsPath;
    state.TimeoutSeconds = MAX_TIMER_SECONDS;
  }

  function timeoutSecondsOf(stateName) {
    const { seconds, path } = timeouts.get(stateName);
    if (seconds) return seconds;
    if (path) {
      const [value] = JSONPath({ path, json: enteredInput.get(stateName), wrap: true });
      if (!Number.isInteger(value) || value < 1) {
        throw stateError('States.Runtime', `TimeoutSecondsPath ${path} of state ${stateName} is not a positive integer`);
      }
      return value;
    }
    return 60; // the Amazon States Language default
  }

  async function invokeLambda(functionName, payload) {
    const url = `${lambdaBase}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
    const { response, text } = await post(url, payload);
    if (response.status !== 200) {
      // The Lambda service refused the Invoke call: Step Functions reports Lambda.<ErrorType>.
      const type = response.headers.get('x-amzn-errortype') ?? 'ServiceException';
      throw stateError(`Lambda.${type.split(':')[0]}`, text);
    }
    if (response.headers.get('x-amz-function-error')) {
      const body = JSON.parse(text);
      throw stateError(body.errorType ?? 'Lambda.Unknown', text);
    }
    return text.length === 0 ? null : JSON.parse(text);
  }

  function withTimeout(promise, seconds) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(stateError('States.Timeout', 'The task timed out.')), seconds * 1000);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  function replacePlaceholder(value, token) {
    if (value === job.taskTokenPlaceholder) return token;
    if (Array.isArray(value)) return value.map((v) => replacePlaceholder(v, token));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replacePlaceholder(v, token)]));
    }
    return value;
  }

  async function runTask(stateName, state, effectiveInput) {
    // Let the event consumer see this state's StateEntered event first (it runs on the microtask queue).
    await new Promise((resolve) => setImmediate(resolve));
    const timeoutSeconds = timeoutSecondsOf(stateName);
    const resource = state.Resource;
    if (!resource.startsWith('arn:aws:states:::lambda:invoke')) {
      throw stateError('States.Runtime', `the local runner only runs lambda:invoke tasks, not ${resource}`);
    }
    const { FunctionName, Payload } = effectiveInput;
    if (!resource.endsWith('.waitForTaskToken')) {
      const payload = await withTimeout(invokeLambda(FunctionName, Payload ?? {}), timeoutSeconds);
      return { Payload: payload, StatusCode: 200, ExecutedVersion: '$LATEST' };
    }
    const minted = await post(`${base}/_sfn/tokens`, { executionArn: job.executionArn, stateName, timeoutSeconds });
    const { token } = JSON.parse(minted.text);
    try {
      await invokeLambda(FunctionName, replacePlaceholder(Payload ?? {}, token));
    } catch (error) {
      await post(`${base}/_sfn/tokens/close`, { token });
      throw error;
    }
    for (;;) {
      const { text } = await post(`${base}/_sfn/tokens/await`, { token, waitSeconds: job.awaitPollSeconds ?? 20 });
      const outcome = JSON.parse(text);
      switch (outcome.status) {
        case 'PENDING':
          continue;
        case 'SUCCEEDED':
          return outcome.output;
        case 'FAILED':
          throw stateError(outcome.error ?? '', outcome.cause ?? '');
        case 'TIMED_OUT':
          throw stateError('States.Timeout', 'The task timed out.');
        default:
          throw stateError('States.Runtime', `unexpected task status ${outcome.status}`);
      }
    }
  }

  const taskResourceLocalHandlers = {};
  const waitTimeOverrides = {};
  const retryIntervalOverrides = {};
  for (const [name, state] of everyState(definition.States)) {
    if (state.Type === 'Task') {
      taskResourceLocalHandlers[name] = (input) => runTask(name, state, input);
    }
    if (state.Type === 'Wait' && job.waitMillis != null) {
      waitTimeOverrides[name] = job.waitMillis;
    }
    if (state.Retry && job.retryMillis != null) {
      retryIntervalOverrides[name] = job.retryMillis;
    }
  }

  const machine = new StateMachine(definition, {
    // A redrive starts at the failed state, which leaves the states before it unreachable; the full definition
    // was validated when the execution started (the JVM validates it once, before the first execution).
    validationOptions: job.startAt || job.validated ? { noValidate: true } : { checkPaths: true, checkArn: true },
  });
  const execution = machine.run(job.input, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: job.context,
  });

  const logging = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') enteredInput.set(event.state.name, event.state.input);
      emit({ event });
    }
  })();

  try {
    const output = await execution.result;
    await logging;
    emit({ succeeded: output });
  } catch (error) {
    await logging.catch(() => {});
    const cause = error.cause ?? {};
    emit({
      failed: {
        error: cause.name ?? error.name,
        cause: typeof cause.cause === 'string' ? cause.cause : (cause.message ?? error.message),
      },
    });
  }
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  const job = JSON.parse(line);
  if (job.validateOnly) {
    validate(job);
  } else {
    await runJob(job);
  }
  emit({ done: true });
}
