using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Temporalio.Client;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>Everything observable on a data dir's Temporal server (every run's status and full history), to prove a command changed nothing.</summary>
public static class StoreSnapshot
{
    public static async Task<string> TakeAsync(string dataDir)
    {
        var client = await TempDataDir.For(dataDir).ConnectAsync();
        var text = new StringBuilder();
        await foreach (var run in client.ListWorkflowsAsync(string.Empty))
        {
            var handle = client.GetWorkflowHandle(run.Id, run.RunId);
            var description = await handle.DescribeAsync();
            var history = await handle.FetchHistoryAsync();
            text.AppendLine($"{run.Id} {run.RunId} {description.WorkflowType} {description.Status} {history.Events.Count}");
            text.AppendLine(Canonical(JsonNode.Parse(history.ToJson())));
        }

        return text.ToString();
    }

    /// <summary>JSON with every object's keys sorted: protobuf maps (e.g. a payload's metadata) come back in any order, as Temporal's (Go) do.</summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":{Canonical(p.Value)}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };

    /// <summary>Names, sizes and SHA-256 of every file under a folder (for data dirs that are not stores).</summary>
    public static string Files(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return File.Exists(folder) ? $"file {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(folder)))}" : "(missing)";
        }

        return string.Join('\n', Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(p => File.Exists(p) ? $"{Path.GetRelativePath(folder, p)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))}" : $"{Path.GetRelativePath(folder, p)}/"));
    }
}
