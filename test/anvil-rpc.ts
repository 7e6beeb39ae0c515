/**
 * Bare JSON-RPC to an Anvil node, for tests and benchmarks: Anvil's own methods (evm_*,
 * anvil_*, txpool_*) that viem does not type, and batches of sends in one request without a
 * client's per-call preparation.
 */
export interface AnvilRpc {
  call<T = unknown>(method: string, params: unknown[]): Promise<T>;
  /** One HTTP request; throws on the first error in the answers. */
  batch(calls: readonly { method: string; params: unknown[] }[]): Promise<unknown[]>;
}

export function createAnvilRpc(url: string): AnvilRpc {
  const post = async (body: unknown) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`anvil answered HTTP ${response.status}`);
    return response.json() as Promise<unknown>;
  };
  type Answer = { id: number; result?: unknown; error?: { message?: string } };
  const resultOf = (answer: Answer | undefined, method: string) => {
    if (!answer) throw new Error(`${method}: no answer in the batch`);
    if (answer.error) throw new Error(`${method}: ${answer.error.message ?? 'error'}`);
    return answer.result;
  };
  return {
    async call<T>(method: string, params: unknown[]) {
      const answer = (await post({ jsonrpc: '2.0', id: 1, method, params })) as Answer;
      return resultOf(answer, method) as T;
    },
    async batch(calls) {
      if (calls.length === 0) return [];
      const answers = (await post(
        calls.map((c, id) => ({ jsonrpc: '2.0', id, method: c.method, params: c.params })),
      )) as Answer[];
      const byId = new Map(answers.map((a) => [a.id, a]));
      return calls.map((c, id) => resultOf(byId.get(id), c.method));
    },
  };
}
