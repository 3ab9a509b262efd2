namespace DurableDelivery.Server.Visibility;

/// <summary>System attributes whose literals are not those of their type.</summary>
internal enum VisibilitySpecialAttribute
{
    /// <summary>Literals are read as the attribute's type says.</summary>
    None,

    /// <summary><c>ExecutionStatus</c>: a status name (any case) or its number, stored as the number.</summary>
    ExecutionStatus,

    /// <summary><c>ExecutionDuration</c>: integer nanoseconds or a duration string such as <c>'1h30m'</c>.</summary>
    ExecutionDuration,
}
