namespace DurableDelivery.Engine.Worker;

/// <summary>The sticky cache of live workflow instances (least recently used out). An evicted run is rebuilt by replay.</summary>
internal sealed class WorkflowCache(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<WorkflowInstance>> map = new(StringComparer.Ordinal);
    private readonly LinkedList<WorkflowInstance> order = new();
    private readonly object gate = new();

    public int Count
    {
        get
        {
            lock (gate)
            {
                return map.Count;
            }
        }
    }

    public bool Contains(string runId)
    {
        lock (gate)
        {
            return map.ContainsKey(runId);
        }
    }

    public WorkflowInstance? Get(string runId)
    {
        lock (gate)
        {
            if (!map.TryGetValue(runId, out var node))
            {
                return null;
            }

            order.Remove(node);
            order.AddFirst(node);
            return node.Value;
        }
    }

    public void Put(WorkflowInstance instance)
    {
        lock (gate)
        {
            if (map.TryGetValue(instance.Info.RunId, out var existing))
            {
                order.Remove(existing);
            }

            map[instance.Info.RunId] = order.AddFirst(instance);
            while (map.Count > Math.Max(1, capacity))
            {
                var last = order.Last!;
                order.RemoveLast();
                map.Remove(last.Value.Info.RunId);
            }
        }
    }

    public void Evict(string runId)
    {
        lock (gate)
        {
            if (map.Remove(runId, out var node))
            {
                order.Remove(node);
            }
        }
    }
}
