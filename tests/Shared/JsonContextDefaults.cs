using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DurableDelivery.Tests.Shared;

/// <summary>
/// Finds init-only properties with a non-default initial value among the types a source-generated JSON context
/// serializes. System.Text.Json's generated code sets every init-only property in an object initializer, so a property
/// missing from the JSON gets default(T), not its initializer (<c>public int N { get; init; } = 7;</c> reads as 0): such
/// properties must be <c>{ get; set; }</c>, constructor parameters with defaults, or map default(T) back in their setter.
/// </summary>
public static class JsonContextDefaults
{
    public static IReadOnlyList<string> InitOnlyPropertiesWithDefaults(JsonSerializerContext context)
    {
        var roots = context.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.PropertyType)
            .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(JsonTypeInfo<>))
            .Select(t => t.GetGenericArguments()[0]);
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>(roots);
        var offenders = new List<string>();
        while (queue.Count > 0)
        {
            var next = queue.Dequeue();
            var type = Nullable.GetUnderlyingType(next) ?? next;
            if (!seen.Add(type))
            {
                continue;
            }

            if (type.IsArray)
            {
                queue.Enqueue(type.GetElementType()!);
                continue;
            }

            foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
            {
                queue.Enqueue(argument);
            }

            if (type.Namespace?.StartsWith("DurableDelivery", StringComparison.Ordinal) != true || type.IsEnum || type.IsInterface)
            {
                continue;
            }

            foreach (var derived in type.GetCustomAttributes<JsonDerivedTypeAttribute>())
            {
                queue.Enqueue(derived.DerivedType);
            }

            var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToList();
            foreach (var property in properties)
            {
                queue.Enqueue(property.PropertyType);
            }

            if (type.IsAbstract || type.GetConstructor(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes) is null)
            {
                continue;
            }

            // What the generated code does when the JSON omits the property: it initializes it with default(T). Fine when
            // the property then reads as it would have started (its initializer is default(T), or its setter maps default
            // back to the same value); compared as JSON, so equal collections compare equal.
            var initial = Activator.CreateInstance(type, nonPublic: true)!;
            foreach (var property in properties.Where(IsInitOnly))
            {
                var omitted = Activator.CreateInstance(type, nonPublic: true)!;
                property.SetValue(omitted, property.PropertyType.IsValueType ? Activator.CreateInstance(property.PropertyType) : null);
                string Json(object instance) => JsonSerializer.Serialize(property.GetValue(instance), property.PropertyType, context.Options);
                if (Json(omitted) != Json(initial))
                {
                    offenders.Add($"{type.FullName}.{property.Name} (init-only: starts as {Json(initial)}, reads as {Json(omitted)} when the JSON omits it)");
                }
            }
        }

        return offenders;
    }

    private static bool IsInitOnly(PropertyInfo property) =>
        property.SetMethod?.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)) == true;
}
