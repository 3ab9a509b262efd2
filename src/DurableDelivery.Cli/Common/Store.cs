using DurableDelivery.Engine.Client;

namespace DurableDelivery.Cli.Common;

/// <summary>Opens the store for a command.</summary>
internal static class Store
{
    /// <summary>Opens an EXISTING store: commands other than <c>worker run</c> never create one, so a mistyped --data-dir is reported, not silently filled.</summary>
    /// <exception cref="Engine.Exceptions.StoreException">No store there, or not a DurableDelivery store.</exception>
    public static DurableClient OpenExisting(string dataDir)
    {
        if (File.Exists(dataDir))
        {
            throw new CliException(ExitCodes.StoreProblem, $"--data-dir '{Path.GetFullPath(dataDir)}' is a file, not a directory; pass the directory that holds engine.db.");
        }

        return DurableClient.Open(dataDir, new DurableClientOptions { Identity = $"ddctl:{Environment.UserName}@{Environment.MachineName}" }, create: false);
    }
}
