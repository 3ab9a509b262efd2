using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>Everything observable in a store (every run's description and full history), to prove a command changed nothing.</summary>
public static class StoreSnapshot
{
    public static async Task<string> TakeAsync(string dataDir)
    {
        await using var client = DurableClient.Open(dataDir, create: false);
        var text = new StringBuilder();
        await foreach (var run in client.ListWorkflowsAsync(new WorkflowListFilter { Limit = 10_000 }))
        {
            var handle = client.GetWorkflowHandle(run.WorkflowId, run.RunId);
            text.AppendLine(JsonSerializer.Serialize(await handle.DescribeAsync(), PayloadConverter.Options));
            text.AppendLine((await handle.FetchHistoryAsync()).ToJson());
        }

        return text.ToString();
    }

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
