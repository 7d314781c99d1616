META
key;value
description;Budget participatif de Villeneuve, quartier Centre (exemple)
country;France
unit;Villeneuve
instance;2025
num_projects;12
num_votes;45
budget;150000
vote_type;cumulative
rule;equalshares
date_begin;01.03.2025
date_end;31.03.2025
max_sum_points;10
PROJECTS
project_id;cost;name;category;votes
101;12000;Jardin partagé rue des Lilas;environment;11
102;85000;"Pistes cyclables; quai Nord";transport;6
103;6000;"Bancs ""publics"" au parc";public space;9
104;9500;Fontaine à eau;environment;7
105;40000;Aire de jeux;education;7
106;3000;Bibliothèque de rue;culture;9
107;55000;Éclairage LED;public space;7
108;7000;Composteurs collectifs;environment;12
109;60000;Skatepark;sport;11
110;25000;Arbres d'alignement;environment;13
111;30000;Rénovation du lavoir;culture;13
112;15000;Ateliers numériques;education;12
VOTES
voter_id;vote;points;age;sex
1;104,105,111;2,4,4;16;M
2;101,103;9,1;39;F
3;101,108;4,6;58;M
4;104;10;87;M
5;104,105,110,112;3,2,2,3;73;F
6;101,105,107,111;1,7,1,1;81;M
7;112;10;84;F
8;104,109;3,7;61;F
9;111;10;37;F
10;104,105,106,110;1,4,2,3;55;F
11;101,102,110;1,6,3;61;M
12;102,107,108,109;1,5,3,1;42;F
13;110,112;4,6;83;F
14;110,111;9,1;47;F
15;106,110;1,9;80;M
16;103,106,107;2,6,2;89;M
17;102,109;6,4;74;M
18;107,110,111;6,2,2;74;F
19;109,112;9,1;53;F
20;112;10;50;M
21;101,102,110,111;1,1,7,1;57;F
22;101,106,108,111;2,2,5,1;41;F
23;107,111;1,9;63;M
24;101,108,109,112;1,2,3,4;68;F
25;108,109,110,112;2,3,2,3;21;M
26;108,110;8,2;33;F
27;106,109;9,1;76;F
28;101;10;61;M
29;108,109;7,3;50;F
30;101,103,109;1,8,1;51;F
31;103,104;5,5;32;M
32;108,109,111,112;4,1,2,3;88;M
33;102,103,111;2,6,2;82;F
34;103,107,108,111;4,1,2,3;51;F
35;105;10;32;M
36;101,103,105,110;1,4,2,3;75;F
37;112;10;27;M
38;108,111;1,9;50;F
39;106,111;7,3;53;M
40;106,108,110,112;4,1,1,4;77;F
41;101,103,106,110;1,1,3,5;30;F
42;103,104,107;5,3,2;89;F
43;108,109,112;4,1,5;88;F
44;105,106,112;7,1,2;80;M
45;102;10;33;M
