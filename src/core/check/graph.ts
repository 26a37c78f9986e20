// Cycles in the depends graph: Tarjan's strongly connected components over dense typed arrays
// (iterative, so a 10k-entry chain does not overflow the stack), then one concrete cycle per
// component, so the message can name it.

export interface Graph {
  /** Node names (seq numbers), indexed 0..n-1. */
  readonly nodes: readonly number[];
  /** Out-edges of node i: targets[start[i] .. start[i+1]). */
  readonly start: Int32Array;
  readonly targets: Int32Array;
}

/** Builds the graph from edges given as pairs of node names; edges to unknown nodes are dropped. */
export function graphOf(nodes: readonly number[], edges: readonly (readonly [number, number])[]): Graph {
  const index = new Map<number, number>();
  nodes.forEach((node, i) => index.set(node, i));
  const start = new Int32Array(nodes.length + 1);
  const resolved: [number, number][] = [];
  for (const [from, to] of edges) {
    const f = index.get(from);
    const t = index.get(to);
    if (f === undefined || t === undefined) continue;
    resolved.push([f, t]);
    start[f + 1]!++;
  }
  for (let i = 0; i < nodes.length; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, nodes.length);
  const targets = new Int32Array(resolved.length);
  for (const [f, t] of resolved) targets[fill[f]!++] = t;
  return { nodes, start, targets };
}

/** Strongly connected components of more than one node, as node indices. */
export function cyclicComponents(graph: Graph): number[][] {
  const n = graph.nodes.length;
  const { start, targets } = graph;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let top = 0;
  const workNode = new Int32Array(n);
  const workEdge = new Int32Array(n);
  let counter = 0;
  const components: number[][] = [];
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    workNode[0] = root;
    workEdge[0] = start[root]!;
    index[root] = low[root] = counter++;
    stack[top++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = workNode[depth]!;
      const e = workEdge[depth]!;
      if (e < start[v + 1]!) {
        workEdge[depth] = e + 1;
        const w = targets[e]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[top++] = w;
          onStack[w] = 1;
          depth++;
          workNode[depth] = w;
          workEdge[depth] = start[w]!;
        } else if (onStack[w] && index[w]! < low[v]!) {
          low[v] = index[w]!;
        }
        continue;
      }
      depth--;
      if (depth >= 0) {
        const parent = workNode[depth]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack[--top]!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) components.push(component);
      }
    }
  }
  return components;
}

/** A shortest cycle through the smallest-named node of a component, as names: [a, b, …, a]. */
export function cycleIn(graph: Graph, component: readonly number[]): number[] {
  const members = new Set(component);
  let first = component[0]!;
  for (const v of component) if (graph.nodes[v]! < graph.nodes[first]!) first = v;
  const parent = new Map<number, number>();
  const queue = [first];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (let e = graph.start[v]!; e < graph.start[v + 1]!; e++) {
      const w = graph.targets[e]!;
      if (!members.has(w)) continue;
      if (w === first) {
        const path = [v];
        for (let at = v; at !== first; ) {
          at = parent.get(at)!;
          path.push(at);
        }
        return [...path.reverse(), first].map((i) => graph.nodes[i]!);
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [graph.nodes[first]!, graph.nodes[first]!];
}
