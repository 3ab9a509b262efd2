using DurableDelivery.Determinism.Tests.Support;

namespace DurableDelivery.Determinism.Tests;

/// <summary>workflows/BannedSymbols.txt stays provable and helpful.</summary>
public sealed class BannedSymbolsFileTests
{
    [Fact]
    public void EveryEntry_HasACallInTheProbe()
    {
        // BannedApiAnalyzers silently ignores an id that names no API, so an entry without a refused call may ban nothing.
        var ids = BannedSymbolsFile.Entries.Select(entry => entry.Id).ToList();
        ids.ShouldBeUnique();
        ids.Except(BannedCalls.All.Select(call => call.EntryId)).ShouldBeEmpty("entries of BannedSymbols.txt without a call in BannedCalls.All");
        BannedCalls.All.Select(call => call.EntryId).Except(ids).ShouldBeEmpty("calls in BannedCalls.All whose entry is not in BannedSymbols.txt");
    }

    [Fact]
    public void EveryMessage_NamesWhatToUseInstead()
    {
        var withoutReplacement = BannedSymbolsFile.Entries
            .Where(entry => !entry.Message.Contains("Workflow.", StringComparison.Ordinal)
                && !entry.Message.Contains("activity", StringComparison.Ordinal)
                && !entry.Message.Contains("workflow input", StringComparison.Ordinal))
            .Select(entry => entry.Id)
            .ToList();
        withoutReplacement.ShouldBeEmpty();
    }
}
