namespace DurableDelivery.Determinism.Tests.Support;

/// <summary>Locates the repository the tests were built from.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string BannedSymbols => Path.Combine(Root, "workflows", "BannedSymbols.txt");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DurableDelivery.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"DurableDelivery.sln not found above {AppContext.BaseDirectory}");
    }
}
