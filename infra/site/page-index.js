// CloudFront Function (cloudfront-js-2.0), viewer request, on the site's page behaviour.
// S3 behind origin access control has no index documents: a folder's page is <folder>/index.html.
// - "/commune/75056/" is fetched as "/commune/75056/index.html";
// - "/commune/75056" (last segment without a dot) is redirected to "/commune/75056/": the pages link
//   relatively ("../../donnees/"), so they must be served from their folder's URL, not rewritten;
// - a file ("/data/summary.json", "/robots.txt") is left alone.
// Plain ES5.1 on purpose: the part of JavaScript every CloudFront Functions runtime runs.

function queryString(querystring) {
  var parts = [];
  var names = Object.keys(querystring || {});
  for (var i = 0; i < names.length; i++) {
    var entry = querystring[names[i]];
    var values = entry.multiValue ? entry.multiValue : [entry];
    for (var j = 0; j < values.length; j++) {
      var value = values[j].value;
      parts.push(encodeURIComponent(names[i]) + (value === '' ? '' : '=' + encodeURIComponent(value)));
    }
  }
  return parts.length ? '?' + parts.join('&') : '';
}

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- CloudFront calls it by name
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.charAt(uri.length - 1) === '/') {
    request.uri = uri + 'index.html';
    return request;
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') !== -1) return request;
  return {
    statusCode: 301,
    statusDescription: 'Moved Permanently',
    headers: {
      location: { value: uri + '/' + queryString(request.querystring) },
      'cache-control': { value: 'max-age=3600' },
    },
  };
}
