namespace DurableDelivery.Determinism.Tests.Support;

/// <summary>The entries of the repository's workflows/BannedSymbols.txt (<c>id;message</c> per line, <c>//</c> comments).</summary>
internal static class BannedSymbolsFile
{
    public static IReadOnlyList<(string Id, string Message)> Entries { get; } = File.ReadAllLines(RepoPaths.BannedSymbols)
        .Select(line => line.Trim())
        .Where(line => line.Length > 0 && !line.StartsWith("//", StringComparison.Ordinal))
        .Select(line => line.Split(';', 2))
        .Select(parts => (parts[0].Trim(), parts.Length > 1 ? parts[1].Trim() : string.Empty))
        .ToList();
}
