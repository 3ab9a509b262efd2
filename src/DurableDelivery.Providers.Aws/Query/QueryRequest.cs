namespace DurableDelivery.Providers.Aws.Query;

/// <summary>
/// One call of an AWS Query API: an action and its flattened parameters (<c>Tags.member.1.Key</c> style), in the order
/// they were added.
/// </summary>
public sealed class QueryRequest
{
    private readonly List<KeyValuePair<string, string>> parameters = [];

    /// <summary>Initializes a new instance of the <see cref="QueryRequest"/> class.</summary>
    /// <param name="action">The action, e.g. <c>DescribeAutoScalingGroups</c>.</param>
    public QueryRequest(string action)
    {
        Action = action;
    }

    /// <summary>Gets the action.</summary>
    public string Action { get; }

    /// <summary>Gets the parameters, without <c>Action</c> and <c>Version</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters => parameters;

    /// <summary>Adds a parameter.</summary>
    /// <param name="name">The flattened name.</param>
    /// <param name="value">The value; nothing is added when it is <see langword="null"/>.</param>
    /// <returns>This request.</returns>
    public QueryRequest Add(string name, string? value)
    {
        if (value is not null)
        {
            parameters.Add(new(name, value));
        }

        return this;
    }

    /// <summary>Adds an integer parameter.</summary>
    /// <param name="name">The flattened name.</param>
    /// <param name="value">The value; nothing is added when it is <see langword="null"/>.</param>
    /// <returns>This request.</returns>
    public QueryRequest Add(string name, int? value) =>
        Add(name, value?.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Adds a list as <c>name.member.1</c>, <c>name.member.2</c>...</summary>
    /// <param name="name">The list's name.</param>
    /// <param name="values">The values.</param>
    /// <returns>This request.</returns>
    public QueryRequest AddList(string name, IEnumerable<string> values)
    {
        var i = 0;
        foreach (var value in values)
        {
            Add($"{name}.member.{++i}", value);
        }

        return this;
    }

    /// <summary>Adds a list of structures as <c>name.member.N.field</c>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="name">The list's name.</param>
    /// <param name="items">The items.</param>
    /// <param name="fields">Returns the fields of one item; <see langword="null"/> values are left out.</param>
    /// <returns>This request.</returns>
    public QueryRequest AddStructures<T>(string name, IEnumerable<T> items, Func<T, IEnumerable<(string Field, string? Value)>> fields)
    {
        var i = 0;
        foreach (var item in items)
        {
            i++;
            foreach (var (field, value) in fields(item))
            {
                Add($"{name}.member.{i}.{field}", value);
            }
        }

        return this;
    }

    /// <summary>Adds tags as <c>Tags.member.N.Key</c> / <c>.Value</c>, sorted by key.</summary>
    /// <param name="tags">The tags.</param>
    /// <param name="name">The list's name.</param>
    /// <returns>This request.</returns>
    public QueryRequest AddTags(IReadOnlyDictionary<string, string> tags, string name = "Tags") =>
        AddStructures(name, tags.OrderBy(t => t.Key, StringComparer.Ordinal), t => [("Key", t.Key), ("Value", t.Value)]);

    /// <inheritdoc />
    public override string ToString() => Action;
}
