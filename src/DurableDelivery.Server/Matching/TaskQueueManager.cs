namespace DurableDelivery.Server.Matching;

/// <summary>Which queue: namespace, name, and whether it holds workflow or activity tasks.</summary>
internal readonly record struct QueueKey(string Namespace, string Name, bool Activity);

/// <summary>
/// Matching: in-memory task queues with long polls. A task is a reference into a run's mutable state; the history
/// engine checks it when a poller takes it and drops it if stale, so a queue never needs to be exact, only complete.
/// Queues are rebuilt from mutable state at start-up.
/// </summary>
internal sealed class TaskQueueManager
{
    private readonly object gate = new();
    private readonly Dictionary<QueueKey, Queue> queues = [];
    private readonly TimeProvider time;

    /// <summary>Creates the queues.</summary>
    public TaskQueueManager(TimeProvider time) => this.time = time;

    /// <summary>Adds a task: handed to a waiting poller at once, else kept in order.</summary>
    public void Offer(QueueKey key, object task, bool front = false)
    {
        while (true)
        {
            TaskCompletionSource<object?>? poller = null;
            lock (gate)
            {
                var queue = Get(key);
                while (queue.Pollers.Count > 0)
                {
                    var candidate = queue.Pollers.First!.Value;
                    queue.Pollers.RemoveFirst();
                    if (!candidate.Task.IsCompleted)
                    {
                        poller = candidate;
                        break;
                    }
                }

                if (poller is null)
                {
                    if (front)
                    {
                        queue.Tasks.AddFirst(task);
                    }
                    else
                    {
                        queue.Tasks.AddLast(task);
                    }

                    return;
                }
            }

            if (poller.TrySetResult(task))
            {
                return;
            }
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a task; null when none came.</summary>
    public async Task<object?> PollAsync(QueueKey key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        TaskCompletionSource<object?> waiter;
        lock (gate)
        {
            var queue = Get(key);
            queue.LastPoll = time.GetUtcNow();
            if (queue.Tasks.Count > 0)
            {
                var task = queue.Tasks.First!.Value;
                queue.Tasks.RemoveFirst();
                return task;
            }

            waiter = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
            queue.Pollers.AddLast(waiter);
            queue.ActivePollers++;
        }

        try
        {
            using var timer = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
            using (linked.Token.Register(() => waiter.TrySetResult(null)))
            {
                var result = await waiter.Task.ConfigureAwait(false);
                if (result is not null && cancellationToken.IsCancellationRequested)
                {
                    // The caller is gone: put the task back rather than lose it.
                    Offer(key, result, front: true);
                    return null;
                }

                return result;
            }
        }
        finally
        {
            lock (gate)
            {
                var queue = Get(key);
                queue.ActivePollers--;
                queue.LastPoll = time.GetUtcNow();
            }
        }
    }

    /// <summary>Whether a poller polled this queue within <paramref name="window"/> (or is polling now).</summary>
    public bool HasRecentPoller(QueueKey key, TimeSpan window)
    {
        lock (gate)
        {
            return queues.TryGetValue(key, out var queue)
                && (queue.ActivePollers > 0 || time.GetUtcNow() - queue.LastPoll <= window);
        }
    }

    /// <summary>Removes a queue and returns its tasks (a sticky queue whose worker shut down).</summary>
    public List<object> Unload(QueueKey key)
    {
        List<TaskCompletionSource<object?>> pollers;
        List<object> tasks;
        lock (gate)
        {
            if (!queues.Remove(key, out var queue))
            {
                return [];
            }

            tasks = [.. queue.Tasks];
            pollers = [.. queue.Pollers];
        }

        foreach (var poller in pollers)
        {
            poller.TrySetResult(null);
        }

        return tasks;
    }

    /// <summary>Pending task count and poller count of a queue (DescribeTaskQueue).</summary>
    public (int Tasks, int Pollers, DateTimeOffset LastPoll) Stats(QueueKey key)
    {
        lock (gate)
        {
            return queues.TryGetValue(key, out var q) ? (q.Tasks.Count, q.ActivePollers, q.LastPoll) : (0, 0, default);
        }
    }

    private Queue Get(QueueKey key)
    {
        if (!queues.TryGetValue(key, out var queue))
        {
            queue = new Queue();
            queues[key] = queue;
        }

        return queue;
    }

    private sealed class Queue
    {
        public LinkedList<object> Tasks { get; } = new();
        public LinkedList<TaskCompletionSource<object?>> Pollers { get; } = new();
        public int ActivePollers { get; set; }
        public DateTimeOffset LastPoll { get; set; }
    }
}
