using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace DurableDelivery.Providers.Aws.Query;

/// <summary>
/// Signature Version 4 for a form-encoded POST to a Query API: the canonical request is built here (method, path, no
/// query, the signed headers, the body's SHA-256), the signature by AWSSDK.Core's <see cref="AWS4Signer"/>.
/// </summary>
internal static class SigV4
{
    /// <summary>The headers to add to the request: <c>X-Amz-Date</c>, the session token when there is one, and
    /// <c>Authorization</c>.</summary>
    public static IEnumerable<(string Name, string Value)> SignPost(Uri url, string contentType, string body, ImmutableCredentials identity, string region, string service, DateTime now)
    {
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = contentType,
            ["host"] = url.IsDefaultPort ? url.Host : url.Authority,
            ["x-amz-date"] = amzDate,
        };
        if (identity.UseToken)
        {
            headers["x-amz-security-token"] = identity.Token;
        }

        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = new StringBuilder()
            .Append("POST\n")
            .Append(url.AbsolutePath).Append('\n')
            .Append('\n');
        foreach (var (name, value) in headers)
        {
            canonical.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n')
            .Append(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body))));
        var result = AWS4Signer.ComputeSignature(identity, region, now, service, signedHeaders, canonical.ToString());
        yield return ("X-Amz-Date", amzDate);
        if (identity.UseToken)
        {
            yield return ("X-Amz-Security-Token", identity.Token);
        }

        yield return ("Authorization", result.ForAuthorizationHeader);
    }
}
