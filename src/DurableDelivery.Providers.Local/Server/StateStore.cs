using System.Text.Json;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>Loads and saves <c>state.json</c>; a save writes a temp file, flushes it to disk, then renames it over the old one.</summary>
internal sealed class StateStore(string path)
{
    public ProviderState Load()
    {
        if (!File.Exists(path))
        {
            return new ProviderState();
        }

        return JsonSerializer.Deserialize(File.ReadAllText(path), ProviderJson.Info<ProviderState>(indented: true))
            ?? throw new InvalidDataException($"State file {path} is empty. Delete it to start from scratch.");
    }

    public void Save(ProviderState state)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, state, ProviderJson.Info<ProviderState>(indented: true));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
