// Chinese labels of the API's enumerations (the `enumLabels` query), loaded once.

import { gql } from './api.js';

let loading = null;

export function loadLabels() {
  loading ||= gql('query ConsoleEnumLabels { enumLabels { enum values { name value label } } }')
    .then((d) => Object.fromEntries(d.enumLabels.map((e) => [e.enum, e.values])))
    .catch((error) => { loading = null; throw error; });
  return loading;
}

/** [{value: 'LAND_EXPROPRIATION', label: '征地拆迁'}, …] for a GraphQL enum (values are enum names). */
export async function options(enumName) {
  const all = await loadLabels();
  return (all[enumName] || []).map((v) => ({ value: v.name, label: v.label }));
}
