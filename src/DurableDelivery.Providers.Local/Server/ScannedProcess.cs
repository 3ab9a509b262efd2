namespace DurableDelivery.Providers.Local.Server;

/// <summary>A live process found by <see cref="DetachedProcess.FindByEnvironment"/>, with the environment it was started with.</summary>
/// <param name="ProcessId">Its pid.</param>
/// <param name="ParentId">Its parent's pid (1, or a subreaper, once the process that started it died).</param>
/// <param name="Environment">Its environment variables (from <c>/proc/&lt;pid&gt;/environ</c>).</param>
internal sealed record ScannedProcess(int ProcessId, int ParentId, IReadOnlyDictionary<string, string> Environment);
