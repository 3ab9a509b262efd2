namespace DurableDelivery.Server.Visibility;

/// <summary>The kinds of token in a visibility list filter.</summary>
internal enum VisibilityTokenKind
{
    /// <summary>An unquoted word: a search attribute name or a keyword (AND, IN, ORDER, ...).</summary>
    Word,

    /// <summary>A backquoted name, e.g. <c>`WorkflowId`</c>; never a keyword.</summary>
    QuotedName,

    /// <summary>A string literal in single or double quotes.</summary>
    String,

    /// <summary>A number literal, optionally signed: <c>42</c>, <c>-1.5</c>, <c>1e3</c>.</summary>
    Number,

    /// <summary>A comparison operator: <c>=</c>, <c>!=</c>, <c>&lt;&gt;</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>,
    /// <c>&gt;=</c>.</summary>
    Operator,

    /// <summary><c>(</c></summary>
    LeftParen,

    /// <summary><c>)</c></summary>
    RightParen,

    /// <summary><c>,</c></summary>
    Comma,

    /// <summary>The end of the query.</summary>
    End,
}
