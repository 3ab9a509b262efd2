using System.Text.Json;
using Temporalio.Api.Enums.V1;

namespace DurableDelivery.Server.History;

/// <summary>A namespace: its id, retention, description and custom search attributes.</summary>
internal sealed class NamespaceEntry
{
    public string Name { get; set; } = "";
    public string Id { get; set; } = "";
    public string Description { get; set; } = "";
    public long RetentionMs { get; set; }
    public Dictionary<string, IndexedValueType> SearchAttributes { get; set; } = [];

    /// <summary>Serialized form stored in the namespaces table.</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(nameof(Description), Description);
            writer.WriteNumber(nameof(RetentionMs), RetentionMs);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}

/// <summary>The server's namespaces (guarded by the engine lock for writes; reads take a snapshot).</summary>
internal sealed class NamespaceRegistry
{
    private readonly Dictionary<string, NamespaceEntry> byName = [];
    private readonly object gate = new();

    /// <summary>Loads a namespace read from the store.</summary>
    public void Load(string name, string id, byte[] data)
    {
        using var doc = JsonDocument.Parse(data);
        lock (gate)
        {
            byName[name] = new NamespaceEntry
            {
                Name = name,
                Id = id,
                Description = doc.RootElement.TryGetProperty("Description", out var d) ? d.GetString() ?? "" : "",
                RetentionMs = doc.RootElement.TryGetProperty("RetentionMs", out var r) ? r.GetInt64() : 86_400_000,
            };
        }
    }

    /// <summary>Loads a registered search attribute.</summary>
    public void LoadSearchAttribute(string ns, string name, int kind)
    {
        lock (gate)
        {
            if (byName.TryGetValue(ns, out var entry))
            {
                entry.SearchAttributes[name] = (IndexedValueType)kind;
            }
        }
    }

    /// <summary>Creates a namespace in memory (the caller persists it).</summary>
    public NamespaceEntry Register(string name, TimeSpan retention, string description)
    {
        var entry = new NamespaceEntry
        {
            Name = name,
            Id = Guid.NewGuid().ToString(),
            RetentionMs = (long)retention.TotalMilliseconds,
            Description = description,
        };
        lock (gate)
        {
            byName[name] = entry;
        }

        return entry;
    }

    /// <summary>The namespace, or null.</summary>
    public NamespaceEntry? Find(string name)
    {
        lock (gate)
        {
            return byName.GetValueOrDefault(name);
        }
    }

    /// <summary>Every namespace, by name.</summary>
    public List<NamespaceEntry> All()
    {
        lock (gate)
        {
            return [.. byName.Values.OrderBy(e => e.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>A copy of a namespace's custom search attributes.</summary>
    public Dictionary<string, IndexedValueType> SearchAttributesOf(string ns)
    {
        lock (gate)
        {
            return byName.TryGetValue(ns, out var e) ? new(e.SearchAttributes) : [];
        }
    }

    /// <summary>Adds a custom search attribute in memory.</summary>
    public void AddSearchAttribute(string ns, string name, IndexedValueType type)
    {
        lock (gate)
        {
            byName[ns].SearchAttributes[name] = type;
        }
    }
}
