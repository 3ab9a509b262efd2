namespace DurableDelivery.Server.Visibility;

/// <summary>
/// The type of a search attribute, as Temporal's <c>IndexedValueType</c> names it. The numeric values are the
/// protobuf enum's, so <c>(SearchAttributeKind)(int)indexedValueType</c> converts one into the other
/// (<c>INDEXED_VALUE_TYPE_UNSPECIFIED</c>, 0, has no member here).
/// </summary>
public enum SearchAttributeKind
{
    /// <summary>Full text: the list filter allows only <c>=</c> and <c>!=</c>, which match on words.</summary>
    Text = 1,

    /// <summary>A string compared as a whole (exact match, ordering, prefix).</summary>
    Keyword = 2,

    /// <summary>A 64-bit integer.</summary>
    Int = 3,

    /// <summary>A double-precision number.</summary>
    Double = 4,

    /// <summary>A boolean (JSON <c>true</c> / <c>false</c>).</summary>
    Bool = 5,

    /// <summary>A point in time, stored as integer Unix nanoseconds.</summary>
    Datetime = 6,

    /// <summary>A list of keywords (a JSON array of strings); the filter asks whether it contains a value.</summary>
    KeywordList = 7,
}
